#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796533516.308312	CpgSHKp7N3xNxM3tyK	127.0.0.21	56263	127.0.0.22	25	1	LBL-UNIX.ARPA	mo@LBL-UNIX.ARPA	Postel@USC-ISI.ARPA,Paul@USC-ISIB.ARPA	-	-	-	-	-	-	-	-	-	-	-	250 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:k8dNQ3fOs+/XMJa+xNuccGoWqdI=
1796533517.462919	CFX2pCt7E0ftgBxKP4	127.0.0.21	55265	127.0.0.22	25	1	client.example	alice@client.example	-	-	-	-	-	-	-	-	-	-	-	-	235 2.7.0 Authentication successful	127.0.0.22,127.0.0.21	-	F	(empty)	1:OROEoWwchh5iU55Rp6/21zvVR88=
1796533517.726461	CFX2pCt7E0ftgBxKP4	127.0.0.21	55265	127.0.0.22	25	1	client.example	alice@client.example	-	-	-	-	-	-	-	-	-	-	-	-	552 5.3.4 Message size exceeds fixed maximum message size	127.0.0.22,127.0.0.21	-	F	(empty)	1:OROEoWwchh5iU55Rp6/21zvVR88=
1796533517.746826	CFX2pCt7E0ftgBxKP4	127.0.0.21	55265	127.0.0.22	25	1	client.example	alice@client.example	-	-	-	-	-	-	-	-	-	-	-	-	555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented	127.0.0.22,127.0.0.21	-	F	(empty)	1:OROEoWwchh5iU55Rp6/21zvVR88=
1796533517.767158	CFX2pCt7E0ftgBxKP4	127.0.0.21	55265	127.0.0.22	25	1	client.example	alice@client.example	-	-	-	-	-	-	-	-	-	-	-	-	455 4.3.1 Server unable to accommodate parameters	127.0.0.22,127.0.0.21	-	F	(empty)	1:OROEoWwchh5iU55Rp6/21zvVR88=
1796533517.787502	CFX2pCt7E0ftgBxKP4	127.0.0.21	55265	127.0.0.22	25	1	client.example	alice@client.example	bad..name@mx.codes.example,bob@nomail.example,bob@mx.codes.example	-	alice@client.example	bob@mx.codes.example	-	-	-	-	after the refusals	-	-	-	250 2.0.0 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:OROEoWwchh5iU55Rp6/21zvVR88=
1796533518.233771	C5qKSx7Y935NWqP1FL	127.0.0.21	60759	127.0.0.22	25	1	client.example	alice@client.example	bob@mx.codes.example	-	-	-	-	-	-	-	-	-	-	-	250 OK	127.0.0.22,127.0.0.21	-	F	(empty)	1:zb9S2lREAJQrDxlD9gWtwpKx9fw=
1796533518.335345	C5qKSx7Y935NWqP1FL	127.0.0.21	60759	127.0.0.22	25	2	client.example	alice@client.example	carol@mx.codes.example,bob@mx.codes.example	-	-	-	-	-	-	-	this one fails at the end	-	-	-	451 4.3.0 Requested action aborted: local error in processing	127.0.0.22,127.0.0.21	-	F	(empty)	1:zb9S2lREAJQrDxlD9gWtwpKx9fw=
1796533518.788023	CWrFSJrMgAc0tUizWP	127.0.0.21	50923	127.0.0.22	25	1	-	alice@client.example	-	-	-	-	-	-	-	-	-	-	-	-	221 2.0.0 Bye	127.0.0.22,127.0.0.21	-	F	(empty)	1:YzceROCFmFiEQM5PK1TCmID+J5U=
#close	XXXX-XX-XX-XX-XX-XX
