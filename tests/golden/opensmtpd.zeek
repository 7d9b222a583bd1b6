#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1795388833.514173	CamN0PyEkhcbXoOyII	127.0.0.1	58632	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test	Sun, 22 Nov 2026 23:07:13 +0000	alice@example.test	root@example.test	-	-	<20261122230713.016195@vm>	-	to OpenSMTPD	-	-	-	250 2.0.0 81d07eb6 Message accepted for delivery	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:21kzGugdoTL28C6pupNPcuB5o+o=
1795388833.616251	Cl9bxJzkGhVDtqWjFg	127.0.0.1	58646	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test,alice@example.test,nosuch@example.test	Sun, 22 Nov 2026 23:07:13 +0000	alice@example.test	root@example.test,alice@example.test,nosuch@example.test	-	-	<20261122230713.016202@vm>	-	test Sun, 22 Nov 2026 23:07:13 +0000	-	-	-	250 2.0.0 274640f5 Message accepted for delivery	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:b0vmneFQY4PW3pCOZd4Z7OVPS4o=
1795388833.733149	CNm2ULVmJpBvL5Jlfa	127.0.0.1	58658	127.0.0.1	25	1	client.example.test	alice@example.test	nosuch@example.test	-	-	-	-	-	-	-	-	-	-	-	221 2.0.0 Bye	127.0.0.1,127.0.0.1	-	F	(empty)	1:GGr5BB51hCoE5i9NhBmSnw2m5B0=
1795388833.814120	CylvBjCInQnGo2OL7Q	127.0.0.1	58664	127.0.0.1	25	1	client.example.test	alice@example.test	bob@elsewhere.test	-	-	-	-	-	-	-	-	-	-	-	221 2.0.0 Bye	127.0.0.1,127.0.0.1	-	F	(empty)	1:2wUSUIwYqwxIwK7UjtP0U59yywY=
1795388833.892553	C84Eh45CGbwYrB4sp2	127.0.0.1	58674	127.0.0.1	25	1	client.example.test	alice@example.test	alice@example.test	Sun, 22 Nov 2026 23:07:13 +0000	alice@example.test	alice@example.test	-	-	<20261122230713.016218@vm>	-	test Sun, 22 Nov 2026 23:07:13 +0000	-	-	-	250 2.0.0 64fb5754 Message accepted for delivery	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:roXBYsQPJaMz/eVe08rvBsndgbc=
#close	XXXX-XX-XX-XX-XX-XX
