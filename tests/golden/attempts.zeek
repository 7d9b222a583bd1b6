#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796604187.856450	CFdMhsBr413iglqh2E	127.0.0.21	33365	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 1	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:USUnO7yrq2iWUZdsiE71/nuCIsE=
1796604187.861854	C3vjEInQKw2dxZNlvv	127.0.0.21	40597	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 2	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:v2d4fzdkRwf+MWQyd8HG42Wp2K8=
1796604253.856574	CdjbV0eDH9BEnprhUO	127.0.0.21	46951	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 3	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:OIJO9D+b2bRXxJmb9/bDy2mXdZg=
1796604259.360943	CobSwyd5CZRDeeWm85	127.0.0.21	56873	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 4	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:icAu9lCHOyvYqzsp6ftJkw0+h/c=
#close	XXXX-XX-XX-XX-XX-XX
